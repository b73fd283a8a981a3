"""varpy.statistics"""
