package gatewright.flex_volumes_test

import data.gatewright.flex_volumes.violation

pod(volumes, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns"},
	"spec": {"containers": [{"name": "c"}], "volumes": volumes},
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

params := {"allowedFlexVolumes": [{"driver": "example.com/lvm"}, {"driver": "example.com/cifs"}]}

flex(name, driver) := {"name": name, "flexVolume": {"driver": driver}}

test_listed_driver_allowed if {
	count(msgs(pod([flex("a", "example.com/lvm"), flex("b", "example.com/cifs"), {"name": "e", "emptyDir": {}}], params))) == 0
}

test_other_driver_denied if {
	msgs(pod([flex("a", "example.com/lvm"), flex("b", "example.com/LVM")], params)) == {`Pod ns/p, volume "b": spec.volumes[1].flexVolume.driver is example.com/LVM; allowed: ["example.com/lvm","example.com/cifs"]`}
}

test_absent_list_denies_every_flex_volume if {
	msgs(pod([flex("a", "example.com/lvm")], {})) == {`Pod ns/p, volume "a": spec.volumes[0].flexVolume.driver is example.com/lvm; allowed: []`}
	count(msgs(pod([{"name": "a", "flexVolume": {}}], {"allowedFlexVolumes": []}))) == 1
	count(msgs(pod([{"name": "h", "hostPath": {"path": "/"}}], {}))) == 0
}

test_cronjob_template if {
	inp := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "CronJob"}, "object": {
		"kind": "CronJob",
		"metadata": {"name": "j", "namespace": "ns"},
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c"}], "volumes": [flex("v", "x/y")]}}}}},
	}}}
	msgs(inp) == {`CronJob ns/j, volume "v": spec.jobTemplate.spec.template.spec.volumes[0].flexVolume.driver is x/y; allowed: ["example.com/lvm","example.com/cifs"]`}
}

test_delete_skipped if {
	inp := json.patch(pod([flex("a", "x/y")], params), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}
