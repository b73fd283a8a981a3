"""varpy.analysis"""
