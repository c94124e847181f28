// The Flo release this source tree is: reported by GET /health, `flo --version` and the
// flo_build_info metric. server/version.test.ts checks it against package.json.

export const floVersion = '0.1.0';
