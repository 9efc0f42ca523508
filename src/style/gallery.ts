/**
 * The built-in images: public-domain / CC0 photos and paintings shipped in the package (assets/images,
 * licences in assets/images/README.md), usable by name wherever an image is taken (`--style starry-night`,
 * `stylize({ style: 'great-wave' })`). The default pair is DEFAULT_CONTENT × DEFAULT_STYLE.
 *
 * Each `url` is written `new URL('literal', import.meta.url)` so that every consumer finds the file: Node
 * running src/ (a file: URL into assets/images), the Node library build (dist/lib/, two levels deep like
 * src/style/), and Vite (the demo and the browser library build copy the file as an asset and rewrite the
 * URL). Node reads file: URLs from disk (src/node.ts); browsers fetch and decode them (src/index.ts).
 */

export interface GalleryImage {
  /** The name to ask for it by. */
  name: string;
  kind: 'content' | 'style';
  title: string;
  /** Who made it, and when (paintings). */
  credit: string;
  licence: string;
  url: URL;
}

export const GALLERY: readonly GalleryImage[] = [
  { name: 'chelsea', kind: 'content', title: 'Chelsea the cat', credit: 'scikit-image sample data', licence: 'CC0', url: new URL('../../assets/images/content/chelsea.png', import.meta.url) },
  { name: 'coffee', kind: 'content', title: 'A cup of coffee', credit: 'scikit-image sample data', licence: 'CC0', url: new URL('../../assets/images/content/coffee.png', import.meta.url) },
  { name: 'astronaut', kind: 'content', title: 'Astronaut Eileen Collins', credit: 'NASA, via scikit-image', licence: 'public domain', url: new URL('../../assets/images/content/astronaut.jpg', import.meta.url) },
  { name: 'starry-night', kind: 'style', title: 'The Starry Night', credit: 'Vincent van Gogh, 1889', licence: 'public domain', url: new URL('../../assets/images/style/starry_night.jpg', import.meta.url) },
  { name: 'great-wave', kind: 'style', title: 'The Great Wave off Kanagawa', credit: 'Katsushika Hokusai, c. 1831', licence: 'public domain', url: new URL('../../assets/images/style/great_wave_hokusai.jpg', import.meta.url) },
  { name: 'shipwreck', kind: 'style', title: 'The Shipwreck', credit: 'J. M. W. Turner, 1805', licence: 'public domain', url: new URL('../../assets/images/style/shipwreck_turner.jpg', import.meta.url) },
  { name: 'woman-with-hat', kind: 'style', title: 'Woman with a Hat', credit: 'Henri Matisse, 1905', licence: 'public domain in the United States (published before 1930)', url: new URL('../../assets/images/style/woman_with_hat_matisse.jpg', import.meta.url) },
];

/** The default content and style when none is given (CLI, library, demo). */
export const DEFAULT_CONTENT = 'chelsea';
export const DEFAULT_STYLE = 'starry-night';

/** The built-in image of that name, or undefined. */
export function galleryImage(name: string): GalleryImage | undefined {
  return GALLERY.find((g) => g.name === name);
}

/** The names of the paintings (style) or photos (content). */
export function galleryNames(kind?: 'content' | 'style'): string[] {
  return GALLERY.filter((g) => !kind || g.kind === kind).map((g) => g.name);
}
