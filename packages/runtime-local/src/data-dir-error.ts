/**
 * A data directory cannot be used: it is locked by another process, not writable, not a
 * directory, damaged, or written by another version. The message is one line that names
 * the directory and what to do; a CLI prints it as it is.
 */
export class DataDirError extends Error {
  override readonly name: string = 'DataDirError';
  constructor(
    /** The directory, as given. */
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The {@link DataDirError} for an error raised while opening the store in `dir`. */
export function dataDirErrorOf(dir: string, err: unknown): DataDirError {
  if (err instanceof DataDirError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new DataDirError(dir, `cannot write to the data directory ${dir} (${code === 'EROFS' ? 'read-only file system' : 'permission denied'}); make it writable by this user or pass another --data-dir`, { cause: err });
    case 'ENOTDIR':
    case 'EEXIST':
      return new DataDirError(dir, `the data directory ${dir} (or a folder above it) is a file, not a directory; pass a directory to --data-dir`, { cause: err });
    case 'ENOSPC':
      return new DataDirError(dir, `no space left on the device of the data directory ${dir}; free some space and start again`, { cause: err });
  }
  if (/MDB_INVALID|MDB_CORRUPTED|MDB_VERSION_MISMATCH|MDB_PAGE_NOTFOUND|not an LMDB|Invalid argument/i.test(detail)) {
    return new DataDirError(dir, `the data directory ${dir} holds a damaged store or files that are not a StateFlow store (${detail}); restore it from a backup, or move it away and start with an empty --data-dir`, { cause: err });
  }
  return new DataDirError(dir, `cannot open the data directory ${dir}: ${detail}`, { cause: err });
}
