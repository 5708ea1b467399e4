__all__ = ['ttypes', 'constants', 'Interop', 'Second']
