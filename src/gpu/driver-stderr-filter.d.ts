// Types of driver-stderr-filter.js (plain JavaScript: bin/swagpu.js imports it before TypeScript is loaded).
export declare const BENIGN_DRIVER_LINES: readonly RegExp[];
export declare function isBenignDriverLine(line: string): boolean;
export declare class DriverTextFilter {
  push(text: string): string;
  end(): string;
}
export declare function filterDriverText(text: string): string;
export declare function driverVerbose(env?: NodeJS.ProcessEnv): boolean;
export declare function stderrCapturable(): boolean;
