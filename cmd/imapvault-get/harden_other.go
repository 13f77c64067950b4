//go:build !linux

package main

func hardenProcess() {}
