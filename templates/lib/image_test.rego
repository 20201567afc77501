package lib.image_test

import data.lib.image

test_official_image_without_tag if {
	image.parse("nginx") == {
		"registry": "docker.io", "path": "library/nginx", "name": "docker.io/library/nginx",
		"tag": "latest", "explicit_tag": false, "digest": "",
		"normalized": "docker.io/library/nginx:latest",
	}
}

test_hub_user_image_with_tag if {
	p := image.parse("bitnami/redis:7.2")
	p.registry == "docker.io"
	p.path == "bitnami/redis"
	p.tag == "7.2"
	p.explicit_tag
	p.normalized == "docker.io/bitnami/redis:7.2"
}

test_explicit_docker_io_gets_library if {
	image.parse("docker.io/nginx:1.25").normalized == "docker.io/library/nginx:1.25"
	image.parse("index.docker.io/nginx").normalized == "docker.io/library/nginx:latest"
}

test_registry_with_port_and_nested_path if {
	p := image.parse("registry.example.com:5000/team/sub/app:1.2")
	p.registry == "registry.example.com:5000"
	p.path == "team/sub/app"
	p.tag == "1.2"
	p.normalized == "registry.example.com:5000/team/sub/app:1.2"
}

test_port_without_tag_is_latest if {
	p := image.parse("registry.example.com:5000/app")
	p.registry == "registry.example.com:5000"
	p.path == "app"
	p.tag == "latest"
	not p.explicit_tag
}

test_localhost_and_uppercase_registry if {
	image.parse("localhost/app:1").registry == "localhost"
	image.parse("localhost:5000/app").registry == "localhost:5000"
	image.parse("MyRegistry/app").registry == "MyRegistry"
	image.parse("team/app").registry == "docker.io"
}

test_tag_and_digest if {
	p := image.parse("registry.example.com/app:1.0@sha256:abc")
	p.tag == "1.0"
	p.explicit_tag
	p.digest == "sha256:abc"
	p.normalized == "registry.example.com/app:1.0@sha256:abc"
}

test_digest_only_has_no_tag if {
	p := image.parse("registry.example.com:5000/app@sha256:abc")
	p.tag == ""
	not p.explicit_tag
	p.digest == "sha256:abc"
	p.registry == "registry.example.com:5000"
	p.normalized == "registry.example.com:5000/app@sha256:abc"
}

test_repo_matches_on_boundary if {
	image.repo_matches("mycompany.registry.com", "mycompany.registry.com/app:1")
	image.repo_matches("mycompany.registry.com", "mycompany.registry.com:5000/app")
	image.repo_matches("registry.example.com/team", "registry.example.com/team/app@sha256:abc")
	image.repo_matches("registry.example.com/team/app", "registry.example.com/team/app")
	not image.repo_matches("mycompany.registry.com", "mycompany.registry.com.evil.io/app:1")
	not image.repo_matches("registry.example.com/team", "registry.example.com/team-evil/app:1")
	not image.repo_matches("", "nginx")
	not image.repo_matches("docker.io/library/", "")
}

test_repo_matches_normalised_form if {
	image.repo_matches("docker.io/library/nginx", "nginx:1.25")
	image.repo_matches("docker.io", "nginx")
	image.repo_matches("docker.io/library/", "nginx")
	not image.repo_matches("docker.io/library/", "bitnami/redis")
	image.repo_matches("nginx", "nginx:1.25")
}

test_repo_entry_with_trailing_slash if {
	image.repo_matches("registry.example.com/team/", "registry.example.com/team/app:1")
	not image.repo_matches("registry.example.com/team/", "registry.example.com/team")
	not image.repo_matches("registry.example.com/team/", "registry.example.com/team-evil/app")
}

test_repo_entry_with_tag if {
	image.repo_matches("registry.example.com/app:1.0", "registry.example.com/app:1.0")
	image.repo_matches("registry.example.com/app:1.0", "registry.example.com/app:1.0@sha256:abc")
	not image.repo_matches("registry.example.com/app:1.0", "registry.example.com/app:1.0.1")
	not image.repo_matches("registry.example.com/app:1.0", "registry.example.com/app:2.0")
}

test_repo_matches_any if {
	image.repo_matches_any(["a.example.com", "b.example.com"], "b.example.com/x")
	not image.repo_matches_any(["a.example.com"], "b.example.com/x")
	not image.repo_matches_any([], "b.example.com/x")
}
