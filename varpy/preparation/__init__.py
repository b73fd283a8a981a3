"""varpy.preparation"""
