"""varpy.visualization"""
