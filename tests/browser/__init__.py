"""Browser tests: a real server in a thread, headless Chromium on a phone-sized screen."""
