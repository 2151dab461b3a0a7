"""The conflict system: slow model functions, hot-path helpers and event handlers."""
