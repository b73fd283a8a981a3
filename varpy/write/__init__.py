"""varpy.write"""
