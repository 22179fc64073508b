{
  "targets": [
    {
      "target_name": "parley_udp",
      "sources": ["parley-udp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    },
    {
      "target_name": "parley_mix",
      "sources": ["parley-mix.c"],
      "cflags": ["-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS=='win'", {"type": "none", "sources": []}]]
    }
  ]
}
