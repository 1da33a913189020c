# The linker's --dynamic-list for the mdevfs executable: every function
# include/mdevfs/backend.h declares, so that plugins (dlopen()ed backends)
# can call them, and nothing else.  mdevfs_backend_entry is the plugins'
# own symbol.  Usage: cmake -DIN=backend.h -DOUT=mdevfs.dynlist -P exports.cmake
file(READ ${IN} text)
# A declaration: a return type, the name, "(" (not a hook: "(*name)(").
string(REGEX MATCHALL "[a-z_]+[ \t\n*]+(mdevfs_[a-z0-9_]+)\\(" decls "${text}")
set(names "")
foreach(d ${decls})
  string(REGEX REPLACE ".*(mdevfs_[a-z0-9_]+)\\($" "\\1" name "${d}")
  if(NOT name STREQUAL "mdevfs_backend_entry")
    list(APPEND names "${name}")
  endif()
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
set(out "/* Generated from include/mdevfs/backend.h by cmake/exports.cmake. */\n{\n")
foreach(n ${names})
  string(APPEND out "\t${n};\n")
endforeach()
string(APPEND out "};\n")
file(WRITE ${OUT}.tmp "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
file(REMOVE ${OUT}.tmp)
