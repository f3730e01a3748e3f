// Package layout holds no code: its test checks that the host's packages
// depend on each other only as docs/architecture.md draws them, so the
// rooms stay rooms.
package layout
