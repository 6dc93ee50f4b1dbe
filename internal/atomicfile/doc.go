// Package atomicfile is cgx's one way to write a file the user named (-o
// FILE, -o DIR, --mask FILE, report folders): whatever is at the path is
// respected, and a regular file is replaced all at once or not at all.
//
// # Contract
//
// WriteFile(ctx, path, data, perm) looks at what path is before writing:
//
//   - nothing: the file is created through a temporary file in the same
//     folder (unique name ".NAME.tmp-*", write, fsync, chmod, rename, fsync
//     of the folder). The folder must exist: a missing parent is refused
//     with ErrNoParent and a message saying to create it, never created.
//   - a regular file: replaced the same way; it keeps its permission bits.
//     A crash leaves either the old or the new bytes, never a mix; a reader
//     never sees a half-written file.
//   - a symbolic link: followed. The file it names is written as above (a
//     dangling link creates its target, as a shell's ">" does); the link
//     itself stays a link.
//   - a named pipe (FIFO) or a character device (/dev/null, /dev/stdout on a
//     terminal, /dev/full): written directly, in place, no temporary file,
//     no rename, no fsync. Waiting for a pipe's reader, and writing into a
//     pipe nobody drains, end when ctx is done.
//   - a folder, a socket, a block device: refused with ErrNotFile. cgx never
//     turns a device or a pipe into a regular file.
//
// EnsureDir(dir) is the same rule for output folders: an existing folder
// (or a link to one) is used, a missing one is created only when its parent
// exists, anything else is refused.
//
// # Caveats
//
//   - Replacing a file gives it a new inode: hard links to the old file keep
//     the old bytes, and a process that holds it open keeps reading them.
//   - The folder must be writable even when the file is: the temporary file
//     lives there. A read-only folder is refused with the folder named.
//   - Some file systems cannot fsync a folder (EINVAL); the rename stands
//     and the error is ignored.
//   - Owner and group of a replaced file are those of the writing process.
package atomicfile
