"""cables"""
