//go:build tools

// Package tools records the kube-apiserver main package in go.mod so that
// `go build k8s.io/kubernetes/cmd/kube-apiserver` resolves from this module.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
