// Lists the files of a directory tree on a FileSystem, so a fixture test can compare a
// regenerated golden directory with the committed one (loaded with fixtures/copy_tree.ts)
// file for file and byte for byte. Used by the fixture tests of engine/action,
// engine/queue and engine/stream.

/** Every file below `dir` of `fs`, as paths relative to `dir`, sorted. */
export function treeFiles(
  fs: { list(dir: string): string[]; stat(path: string): { isDirectory: boolean } | null },
  dir: string,
): string[] {
  return fs.list(dir).sort().flatMap((name) => {
    const path = `${dir}/${name}`;
    return fs.stat(path)!.isDirectory
      ? treeFiles(fs, path).map((inner) => `${name}/${inner}`) : [name];
  });
}
