"""The Qt desk. Only this package imports PySide6 and pyqtgraph."""
