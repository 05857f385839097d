#!/usr/bin/env node
import "../dist/kubeadm-ts-testkit.mjs"
