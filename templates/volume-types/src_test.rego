package gatewright.volume_types_test

import data.gatewright.volume_types.violation

pod(volumes, labels, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": {"containers": [{"name": "c"}], "volumes": volumes},
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

restricted := {"volumes": ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"]}

test_restricted_types_allowed if {
	volumes := [
		{"name": "a", "configMap": {"name": "x"}},
		{"name": "b", "secret": {"secretName": "x"}},
		{"name": "c", "emptyDir": {}},
		{"name": "d", "persistentVolumeClaim": {"claimName": "x"}},
		{"name": "e", "projected": {"sources": []}},
		{"name": "f", "image": {"reference": "r"}},
		{"name": "g"},
	]
	count(msgs(pod(volumes, {}, restricted))) == 0
}

test_other_types_denied if {
	volumes := [{"name": "h", "hostPath": {"path": "/"}}, {"name": "n", "nfs": {"server": "s", "path": "/"}}]
	msgs(pod(volumes, {}, {"volumes": ["configMap"]})) == {
		`Pod ns/p, volume "h": spec.volumes[0] is hostPath; allowed: ["configMap"]`,
		`Pod ns/p, volume "n": spec.volumes[1] is nfs; allowed: ["configMap"]`,
	}
}

test_star_allows_all if {
	count(msgs(pod([{"name": "h", "hostPath": {"path": "/"}}], {}, {"volumes": ["*"]}))) == 0
}

test_absent_list_allows_nothing_and_unset_source_is_empty_dir if {
	msgs(pod([{"name": "g"}], {}, {})) == {`Pod ns/p, volume "g": spec.volumes[0] is emptyDir; allowed: []`}
	count(msgs(pod([], {}, {}))) == 0
}

test_job_template if {
	inp := {"parameters": {"volumes": ["secret"]}, "review": {"operation": "CREATE", "kind": {"kind": "Job"}, "object": {
		"kind": "Job",
		"metadata": {"name": "j", "namespace": "ns"},
		"spec": {"template": {"spec": {"containers": [{"name": "c"}], "volumes": [{"name": "g", "gitRepo": {"repository": "r"}}]}}},
	}}}
	msgs(inp) == {`Job ns/j, volume "g": spec.template.spec.volumes[0] is gitRepo; allowed: ["secret"]`}
}

test_delete_skipped if {
	inp := json.patch(pod([{"name": "h", "hostPath": {"path": "/"}}], {}, {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {"nfs": {"spec": {"volumes": {"types": {"allowedValues": ["nfs"]}}}}}}}}}

label := {"security.deckhouse.io/security-policy-exception": "nfs"}

test_exception_admits_listed_type_only if {
	volumes := [{"name": "n", "nfs": {"server": "s", "path": "/"}}, {"name": "h", "hostPath": {"path": "/"}}]
	msgs(pod(volumes, label, restricted)) == {`Pod ns/p, volume "h": spec.volumes[1] is hostPath; allowed: ["configMap","csi","downwardAPI","emptyDir","ephemeral","image","persistentVolumeClaim","projected","secret"]`} with data.inventory as spe
}
