"""The Statistics tab.

- `tab`: `StatsTab`, the tables of the open store's statistics, computed on a worker of its own.
- `charts`: the pyqtgraph charts, loaded the first time the tab is shown.
"""
