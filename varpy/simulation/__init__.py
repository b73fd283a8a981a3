"""varpy.simulation"""
