package gatewright.container_duplicates_test

import data.gatewright.container_duplicates.violation

inp(spec) := {"review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec}}}

test_unique_names_allowed if {
	count(violation) == 0 with input as inp({
		"containers": [{"name": "a", "env": [{"name": "X"}, {"name": "Y"}]}, {"name": "b", "env": [{"name": "X"}]}],
		"initContainers": [{"name": "c"}],
	})
}

test_duplicate_container_name_across_lists if {
	vs := violation with input as inp({"containers": [{"name": "a"}], "initContainers": [{"name": "a"}]})
	{v.msg | some v in vs} == {
		`Pod ns/p: spec.containers[0].name is a; also used by spec.initContainers[0]; container names must be unique`,
		`Pod ns/p: spec.initContainers[0].name is a; also used by spec.containers[0]; container names must be unique`,
	}
}

test_duplicate_env if {
	vs := violation with input as inp({"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y"}, {"name": "X", "value": "2"}]}]})
	{v.msg | some v in vs} == {
		`Pod ns/p, container "a": spec.containers[0].env[0].name is X; also set by env[2]; environment variable names must be unique`,
		`Pod ns/p, container "a": spec.containers[0].env[2].name is X; also set by env[0]; environment variable names must be unique`,
	}
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp({"containers": [{"name": "a"}, {"name": "a"}]}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
