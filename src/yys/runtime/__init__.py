"""yys.runtime"""
