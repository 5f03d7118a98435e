// Types of dist-freshness.js (plain JavaScript, so the `celeriac` command can run it before anything is compiled).
export const packageRoot: string;
export const buildInfoPath: string;
export function sourceSignature(root?: string): string[];
export function distState(root?: string): { usable: true } | { usable: false; reason: string };
