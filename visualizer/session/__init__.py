"""The Qt-free application layer: config, datasets, the plane, runs and the landscape cache."""
