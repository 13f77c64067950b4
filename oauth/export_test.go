package oauth

// SetTestHook lets the crash test stop the process at a named point.
func SetTestHook(f func(point string)) { testHook = f }
