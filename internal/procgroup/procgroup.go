// Package procgroup starts commands the way hooks and password commands
// need: in a process group of their own, so that a timeout kills what
// they started too, and, for programs that would ask on a terminal,
// without one.
package procgroup
