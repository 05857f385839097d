console.log("testkit: not built yet")
