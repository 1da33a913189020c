# Turns the file IN into a C source OUT that defines
#   const char mdevfs_samples_conf[];  (NUL-terminated)
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}"
  "/* Generated from examples/samples.conf by cmake/embed.cmake. */\n"
  "extern const char mdevfs_samples_conf[];\n"
  "const char mdevfs_samples_conf[] = {${bytes} 0x00};\n")
