"""varpy.modelling"""
