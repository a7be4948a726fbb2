def load(*, homes, out=None):
    return {}
