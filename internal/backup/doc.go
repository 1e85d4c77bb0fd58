// Package backup is the tonebase backup file: a clear header, then frames
// of at most 64 KiB sealed with AES-256-GCM under a key of the master
// key's (frame.go), holding an archive of a manifest, the data folder's
// small files and the store's own stream (archive.go). Every frame is
// verified before any of its bytes is used, and the framing binds each
// frame to its place and the last frame to the end of the file, so a file
// altered by one byte, cut short, reordered or extended is refused. The
// package knows nothing of what the store's stream or the files hold.
package backup
