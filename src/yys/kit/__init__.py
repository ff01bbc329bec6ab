"""yys.kit"""
