"""The paper fallback: printed exam papers, keyboard entry of the answers, scanned sheets."""
