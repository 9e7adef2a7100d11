"""The Monitoring sub-tabs, one file each."""
