# Glob matching for names such as sysctls ("kernel.*"), AppArmor profiles ("localhost/*") and role names.
# `*` matches any run of characters, including dots and slashes; everything else matches itself.
package lib.glob

matches(pattern, value) if glob.match(pattern, null, value)

matches_any(patterns, value) if {
	some p in patterns
	matches(p, value)
}
