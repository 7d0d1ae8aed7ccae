// Exactly one OkHttp in the resolved tree, and the guarded call ran on it.
def tree = new File(basedir, 'target/dependency-tree.txt').text
def okhttp = tree.readLines().findAll { it =~ /com\.squareup\.okhttp3:okhttp(-jvm)?:jar:/ }
assert okhttp.size() == 1 : "expected exactly one OkHttp, got ${okhttp}\n${tree}"
assert okhttp[0].contains(':4.12.0') : "expected OkHttp :4.12.0, got ${okhttp[0]}"
def log = new File(basedir, 'build.log').text
assert log.contains('herdguard guarded call ok on okhttp-4.12.0.jar') : "the guarded call did not run on okhttp-4.12.0.jar"
println tree
return true
