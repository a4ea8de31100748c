#ifndef ZIC_TESTS_TLS_FILES_HPP
#define ZIC_TESTS_TLS_FILES_HPP

// A throwaway CA and two server certificates made with the openssl command: one valid for
// 127.0.0.1, ::1 and localhost, one for another name only.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace zic_test {

struct tls_files {
  std::filesystem::path dir, ca, cert, key, wrong_cert, wrong_key, client_cert, client_key;

  static const tls_files& get() {
    static tls_files files = make();
    return files;
  }

private:
  static void run(const std::string& cmd) {
    if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0)
      throw std::runtime_error("openssl failed: " + cmd);
  }

  static tls_files make() {
    tls_files f;
    f.dir = std::filesystem::temp_directory_path() / ("zic-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(f.dir);
    auto p = [&](const char* name) { return (f.dir / name).string(); };
    f.ca = p("ca.pem");
    f.cert = p("server.pem");
    f.key = p("server.key");
    f.wrong_cert = p("wrong.pem");
    f.wrong_key = p("wrong.key");
    f.client_cert = p("client.pem");
    f.client_key = p("client.key");
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509" + ec + " -keyout " + p("ca.key") + " -out " + f.ca.string() +
        " -days 2 -subj '/CN=zic test CA' -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign");
    auto issue = [&](const std::string& cert_path, const std::string& key_path, const std::string& san,
                     const char* usage = "serverAuth") {
      std::ofstream(p("ext.cnf")) << "subjectAltName=" << san << "\nbasicConstraints=CA:FALSE\n"
                                  << "extendedKeyUsage=" << usage << "\n";
      run("openssl req" + ec + " -keyout " + key_path + " -out " + p("req.csr") + " -subj '/CN=zic test server'");
      run("openssl x509 -req -in " + p("req.csr") + " -CA " + f.ca.string() + " -CAkey " + p("ca.key") +
          " -CAcreateserial -out " + cert_path + " -days 2 -extfile " + p("ext.cnf"));
    };
    issue(f.cert, f.key, "IP:127.0.0.1,IP:::1,DNS:localhost");
    issue(f.wrong_cert, f.wrong_key, "DNS:wrong.example");
    issue(f.client_cert.string(), f.client_key.string(), "DNS:zic-client", "clientAuth");
    return f;
  }
};

} // namespace zic_test

#endif
