"""Statistical understanding trained by the project from the labelled messages it ships."""
