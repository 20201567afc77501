# Inclusive numeric ranges {min, max}; a missing bound is open.
package lib.range

in_range(value, r) if {
	value >= object.get(r, "min", value)
	value <= object.get(r, "max", value)
}

in_any(value, ranges) if {
	some r in ranges
	in_range(value, r)
}
