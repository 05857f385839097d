// Command etcd is the upstream etcd server, built from its published module
// so the real-cluster tests run the etcd line current API servers expect.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
