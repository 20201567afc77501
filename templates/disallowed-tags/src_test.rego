package gatewright.disallowed_tags_test

import data.gatewright.disallowed_tags.violation

inp(containers) := {"parameters": {"tags": ["latest", "dev"]}, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": containers},
}}}

test_explicit_tag_denied if {
	some v in violation with input as inp([{"name": "a", "image": "registry.example.com:5000/app:dev"}])
	v.msg == `Pod ns/p, container "a": spec.containers[0].image is registry.example.com:5000/app:dev; tag "dev" is disallowed`
}

test_implicit_latest_denied if {
	some v in violation with input as inp([{"name": "a", "image": "nginx"}])
	v.msg == `Pod ns/p, container "a": spec.containers[0].image is nginx; no tag or digest means tag "latest", which is disallowed`
}

test_digest_only_and_other_tags_allowed if {
	count(violation) == 0 with input as inp([
		{"name": "a", "image": "nginx@sha256:abc"},
		{"name": "b", "image": "registry.example.com:5000/app:1.0"},
		{"name": "c", "image": "registry.example.com/app:latest-1"},
	])
}

test_tag_with_digest_still_checked if {
	count(violation) == 1 with input as inp([{"name": "a", "image": "nginx:latest@sha256:abc"}])
}

test_no_parameters_allows if {
	count(violation) == 0 with input as object.remove(inp([{"name": "a", "image": "nginx"}]), ["parameters"])
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp([{"name": "a", "image": "nginx"}]), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
