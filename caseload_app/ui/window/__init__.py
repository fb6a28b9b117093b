"""The main window's command groups, each mixed into MainWindow."""
