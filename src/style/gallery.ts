/**
 * The built-in images: public-domain / CC0 photos and paintings shipped in the package (assets/images,
 * licences in assets/images/README.md), usable by name wherever an image is taken (`--style starry-night`,
 * `stylize({ style: 'great-wave' })`). The default pair is DEFAULT_CONTENT × DEFAULT_STYLE.
 *
 * `galleryUrl` finds a file relative to this module (browsers; Node reads from the package root, src/node.ts): src/style/ and the library builds (dist/lib/) both sit two
 * levels below the package root, so `../../assets/images/FILE` is the package's own copy. Node reads it from
 * disk (src/node.ts); browsers fetch and decode it (src/index.ts; EngineOptions.imagesBase moves it, e.g. when
 * a bundler relocates the library). The URL is built from a variable, not `new URL('literal', import.meta.url)`,
 * so library builds do not inline every image as base64; the demo lists its own literal URLs (demo/images.ts)
 * so that Vite copies the files.
 */

export interface GalleryImage {
  /** The name to ask for it by. */
  name: string;
  kind: 'content' | 'style';
  title: string;
  /** Who made it, and when (paintings). */
  credit: string;
  licence: string;
  /** Path under assets/images. */
  file: string;
}

export const GALLERY: readonly GalleryImage[] = [
  { name: 'chelsea', kind: 'content', title: 'Chelsea the cat', credit: 'scikit-image sample data', licence: 'CC0', file: 'content/chelsea.png' },
  { name: 'coffee', kind: 'content', title: 'A cup of coffee', credit: 'scikit-image sample data', licence: 'CC0', file: 'content/coffee.png' },
  { name: 'astronaut', kind: 'content', title: 'Astronaut Eileen Collins', credit: 'NASA, via scikit-image', licence: 'public domain', file: 'content/astronaut.jpg' },
  { name: 'starry-night', kind: 'style', title: 'The Starry Night', credit: 'Vincent van Gogh, 1889', licence: 'public domain', file: 'style/starry_night.jpg' },
  { name: 'great-wave', kind: 'style', title: 'The Great Wave off Kanagawa', credit: 'Katsushika Hokusai, c. 1831', licence: 'public domain', file: 'style/great_wave_hokusai.jpg' },
  { name: 'shipwreck', kind: 'style', title: 'The Shipwreck', credit: 'J. M. W. Turner, 1805', licence: 'public domain', file: 'style/shipwreck_turner.jpg' },
  { name: 'woman-with-hat', kind: 'style', title: 'Woman with a Hat', credit: 'Henri Matisse, 1905', licence: 'public domain in the United States (published before 1930)', file: 'style/woman_with_hat_matisse.jpg' },
];

/** The default content and style when none is given (CLI, library, demo). */
export const DEFAULT_CONTENT = 'chelsea';
export const DEFAULT_STYLE = 'starry-night';

const moduleUrl = import.meta.url;

/** Where a built-in image is: under `base` (a folder URL ending in /) or the package's assets/images. */
export function galleryUrl(image: GalleryImage, base?: string | URL): URL {
  return base === undefined ? new URL(`../../assets/images/${image.file}`, moduleUrl) : new URL(image.file, base);
}

/** The built-in image of that name, or undefined. */
export function galleryImage(name: string): GalleryImage | undefined {
  return GALLERY.find((g) => g.name === name);
}

/** The names of the paintings (style) or photos (content). */
export function galleryNames(kind?: 'content' | 'style'): string[] {
  return GALLERY.filter((g) => !kind || g.kind === kind).map((g) => g.name);
}
