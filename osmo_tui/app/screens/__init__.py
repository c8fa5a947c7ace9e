"""The app's screens: the main run screen and the help overlay."""
