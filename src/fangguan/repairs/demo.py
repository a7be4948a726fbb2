def load(*, homes="sample", out=None):
    return {}
