# Container image references, read the way the container runtime reads them (distribution/reference):
#   [registry[:port]/]path[:tag][@digest]
# The first path component is a registry host when it contains "." or ":", is "localhost", or has upper-case
# letters; otherwise the registry is docker.io, and a single-component Docker Hub path gets the "library/"
# namespace. An image with neither tag nor digest runs as ":latest"; an image with only a digest has no tag.
package lib.image

# parse("registry.example.com:5000/team/app:1.2@sha256:ab") ==
#   {"registry": "registry.example.com:5000", "path": "team/app", "name": "registry.example.com:5000/team/app",
#    "tag": "1.2", "explicit_tag": true, "digest": "sha256:ab",
#    "normalized": "registry.example.com:5000/team/app:1.2@sha256:ab"}
parse(ref) := result if {
	[name_tag, digest] := split_digest(ref)
	[name, explicit] := split_tag(name_tag)
	[registry, path] := normalize_name(name)
	tag := effective_tag(explicit, digest)
	full_name := concat("/", [registry, path])
	result := {
		"registry": registry,
		"path": path,
		"name": full_name,
		"tag": tag,
		"explicit_tag": explicit != null,
		"digest": digest,
		"normalized": concat("", [full_name, suffix(":", tag), suffix("@", digest)]),
	}
}

# The tag the runtime pulls: the written one; "latest" when neither tag nor digest is given; "" for digest-only.
effective_tag(explicit, digest) := explicit if explicit != null

else := "latest" if {
	explicit == null
	digest == ""
}

else := ""

suffix(sep, value) := "" if value == ""

else := concat("", [sep, value])

# "name:tag@sha256:..." -> ["name:tag", "sha256:..."]; the digest is "" when absent.
split_digest(ref) := [substring(ref, 0, i), substring(ref, i + 1, -1)] if {
	i := indexof(ref, "@")
	i >= 0
} else := [ref, ""]

# The tag is what follows ":" in the last path component (a ":" in the first of several components is a port).
# Returns [name, tag], tag null when none is written.
split_tag(name_tag) := [substring(name_tag, 0, (count(name_tag) - count(last)) + i), substring(last, i + 1, -1)] if {
	parts := split(name_tag, "/")
	last := parts[count(parts) - 1]
	i := indexof(last, ":")
	i >= 0
} else := [name_tag, null]

# [registry, path], with Docker Hub's implicit registry and "library/" namespace filled in.
normalize_name(name) := [hub_registry(registry), hub_path(hub_registry(registry), rest)] if {
	i := indexof(name, "/")
	i > 0
	registry := substring(name, 0, i)
	is_registry(registry)
	rest := substring(name, i + 1, -1)
} else := ["docker.io", hub_path("docker.io", name)]

is_registry(component) if contains(component, ".")

is_registry(component) if contains(component, ":")

is_registry("localhost")

is_registry(component) if lower(component) != component

hub_registry(registry) := "docker.io" if registry == "index.docker.io"

else := registry

hub_path(registry, path) := concat("/", ["library", path]) if {
	registry == "docker.io"
	not contains(path, "/")
} else := path

# An allowedRepos entry admits an image when it equals the image or is followed in it by "/", ":" or "@"
# (a path-component boundary), compared against the image as written and its normalised form. An entry that
# ends with "/" admits everything below that path. So "registry.example.com" admits
# "registry.example.com/app:1" but not "registry.example.com.evil.io/app".
repo_matches(entry, image) if {
	image != ""
	some form in {image, parse(image).normalized}
	prefix_on_boundary(entry, form)
}

repo_matches_any(entries, image) if {
	some entry in entries
	repo_matches(entry, image)
}

prefix_on_boundary(entry, s) if {
	entry != ""
	entry == s
}

prefix_on_boundary(entry, s) if {
	endswith(entry, "/")
	startswith(s, entry)
}

prefix_on_boundary(entry, s) if {
	entry != ""
	startswith(s, entry)
	substring(s, count(entry), 1) in {"/", ":", "@"}
}
