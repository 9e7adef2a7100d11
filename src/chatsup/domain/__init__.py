"""The wire schema and the rules both sides share. Imports no side."""
