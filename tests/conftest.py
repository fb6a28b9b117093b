import os

# Qt tests run headless everywhere (developers' machines and CI alike).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
