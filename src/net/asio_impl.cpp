// Asio, Asio SSL and Beast compiled once for the whole project (see BOOST_*_SEPARATE_COMPILATION
// in CMakeLists.txt): every other file includes only their declarations, which keeps a clean
// build of the project within minutes on two cores.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
