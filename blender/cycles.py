# cgx: renders a batch of scenes with Blender Cycles. Run by the Go package
# blender (cycles.go) as
#   blender -b --factory-startup -noaudio --python-exit-code 1 --python cycles.py -- batch.json
# batch.json holds everything: meshes (the very triangles the embedded
# renderer draws), world matrices, camera, lights and output paths. Nothing
# is passed as shell text.
#
# For each frame it renders twice in this one process:
#   1. colour: the requested samples, Blackman-Harris 1.5 px pixel filter,
#      "Standard" view transform, written as an 8-bit sRGB PNG;
#   2. mask: one sample with a 0.01 px filter, so the ray goes through the
#      pixel centre; the object index pass (exact integers in Cycles) divided
#      by 255 goes to the composite output, saved with the "Raw" view
#      transform and no dither as an 8-bit grey PNG whose value is the id.
#      (The compositor's Viewer image is not updated in background mode.)
import json
import math
import sys

import bpy
import mathutils

batch_path = sys.argv[sys.argv.index("--") + 1]
with open(batch_path) as f:
    batch = json.load(f)

scene = bpy.context.scene
for o in list(bpy.data.objects):
    bpy.data.objects.remove(o, do_unlink=True)

scene.render.engine = "CYCLES"
cy = scene.cycles
cy.device = "CPU"
cy.use_denoising = False
cy.use_adaptive_sampling = False
cy.seed = 0
cy.max_bounces = 0
cy.diffuse_bounces = 0
cy.glossy_bounces = 0
cy.transmission_bounces = 0
cy.volume_bounces = 0
cy.transparent_max_bounces = 0
cy.caustics_reflective = False
cy.caustics_refractive = False
if batch["threads"] > 0:
    scene.render.threads_mode = "FIXED"
    scene.render.threads = batch["threads"]
scene.render.film_transparent = False
scene.render.resolution_percentage = 100
scene.render.pixel_aspect_x = 1
scene.render.pixel_aspect_y = 1
scene.render.use_compositing = True
scene.render.use_sequencer = False
scene.render.image_settings.file_format = "PNG"
scene.render.image_settings.color_mode = "RGB"
scene.render.image_settings.color_depth = "8"
scene.render.image_settings.compression = 15
scene.render.dither_intensity = 0
scene.display_settings.display_device = "sRGB"
scene.view_settings.view_transform = "Standard"
scene.view_settings.look = "None"
scene.view_settings.exposure = 0
scene.view_settings.gamma = 1
scene.sequencer_colorspace_settings.name = "sRGB"

view_layer = scene.view_layers[0]
view_layer.use_pass_object_index = True

scene.use_nodes = True
tree = scene.node_tree
tree.nodes.clear()
rl = tree.nodes.new("CompositorNodeRLayers")
comp = tree.nodes.new("CompositorNodeComposite")
to_unit = tree.nodes.new("CompositorNodeMath")
to_unit.operation = "DIVIDE"
to_unit.inputs[1].default_value = 255.0
tree.links.new(rl.outputs["IndexOB"], to_unit.inputs[0])


def colour_pass():
    tree.links.new(rl.outputs["Image"], comp.inputs["Image"])
    scene.view_settings.view_transform = "Standard"
    scene.render.image_settings.color_mode = "RGB"
    cy.samples = batch["samples"]
    cy.pixel_filter_type = "BLACKMAN_HARRIS"
    cy.filter_width = 1.5


def mask_pass():
    tree.links.new(to_unit.outputs[0], comp.inputs["Image"])
    scene.view_settings.view_transform = "Raw"
    scene.render.image_settings.color_mode = "BW"
    cy.samples = 1
    cy.filter_width = 0.01


# World: the background colour for camera rays and black for every other
# ray: ambient light is an emission term of each material (albedo times
# ambient), like the embedded renderer's, so it is never occluded.
world = bpy.data.worlds.new("cgx-world")
scene.world = world
world.use_nodes = True
wt = world.node_tree
wt.nodes.clear()
w_out = wt.nodes.new("ShaderNodeOutputWorld")
w_mix = wt.nodes.new("ShaderNodeMixShader")
w_path = wt.nodes.new("ShaderNodeLightPath")
w_amb = wt.nodes.new("ShaderNodeBackground")
w_cam = wt.nodes.new("ShaderNodeBackground")
wt.links.new(w_path.outputs["Is Camera Ray"], w_mix.inputs[0])
wt.links.new(w_amb.outputs["Background"], w_mix.inputs[1])
wt.links.new(w_cam.outputs["Background"], w_mix.inputs[2])
wt.links.new(w_mix.outputs["Shader"], w_out.inputs["Surface"])

cam_data = bpy.data.cameras.new("cgx-camera")
cam_data.sensor_fit = "VERTICAL"
cam_data.sensor_height = 24.0
cam_data.clip_start = batch["clip_start"]
cam_data.clip_end = 1000.0

meshes = {}
for name, m in batch["meshes"].items():
    me = bpy.data.meshes.new(name)
    verts = [tuple(m["pos"][i:i + 3]) for i in range(0, len(m["pos"]), 3)]
    tris = [tuple(m["tris"][i:i + 3]) for i in range(0, len(m["tris"]), 3)]
    me.from_pydata(verts, [], tris)
    me.polygons.foreach_set("material_index", m["mat"])
    me.polygons.foreach_set("use_smooth", [True] * len(tris))
    if hasattr(me, "use_auto_smooth"):
        me.use_auto_smooth = True
    normals = [tuple(m["nrm"][i:i + 3]) for i in range(0, len(m["nrm"]), 3)]
    me.normals_split_custom_set_from_vertices(normals)
    for _ in range(4):
        me.materials.append(None)
    me.update()
    meshes[name] = me

materials = {}


def material(rgb, ambient):
    key = tuple(round(c, 7) for c in list(rgb) + list(ambient))
    if key in materials:
        return materials[key]
    mat = bpy.data.materials.new("cgx-%d" % len(materials))
    mat.use_nodes = True
    nt = mat.node_tree
    nt.nodes.clear()
    out = nt.nodes.new("ShaderNodeOutputMaterial")
    bsdf = nt.nodes.new("ShaderNodeBsdfDiffuse")
    bsdf.inputs["Color"].default_value = (rgb[0], rgb[1], rgb[2], 1.0)
    bsdf.inputs["Roughness"].default_value = 0.0
    emit = nt.nodes.new("ShaderNodeEmission")
    emit.inputs["Color"].default_value = (rgb[0] * ambient[0], rgb[1] * ambient[1], rgb[2] * ambient[2], 1.0)
    emit.inputs["Strength"].default_value = 1.0
    add = nt.nodes.new("ShaderNodeAddShader")
    nt.links.new(bsdf.outputs["BSDF"], add.inputs[0])
    nt.links.new(emit.outputs["Emission"], add.inputs[1])
    nt.links.new(add.outputs["Shader"], out.inputs["Surface"])
    materials[key] = mat
    return mat


def matrix(rows):
    return mathutils.Matrix([rows[0:4], rows[4:8], rows[8:12], rows[12:16]])


for i, fr in enumerate(batch["frames"]):
    for o in list(bpy.data.objects):
        bpy.data.objects.remove(o, do_unlink=True)
    for l in list(bpy.data.lights):
        bpy.data.lights.remove(l)

    scene.render.resolution_x = fr["width"]
    scene.render.resolution_y = fr["height"]
    cam_data.lens = fr["lens"]
    cam = bpy.data.objects.new("cgx-camera", cam_data)
    scene.collection.objects.link(cam)
    cam.matrix_world = matrix(fr["camera"])
    scene.camera = cam

    w_cam.inputs["Color"].default_value = (*fr["background"], 1.0)
    w_amb.inputs["Color"].default_value = (0.0, 0.0, 0.0, 1.0)

    for k, l in enumerate(fr["lights"]):
        ld = bpy.data.lights.new("cgx-sun-%d" % k, "SUN")
        # Cycles' sun strength is irradiance: a Lambert surface facing it
        # reflects albedo * strength / pi, so pi * intensity matches the
        # embedded renderer's albedo * intensity.
        ld.energy = math.pi * l["strength"]
        ld.color = l["color"]
        ld.angle = 0.0
        if hasattr(ld, "cycles") and hasattr(ld.cycles, "cast_shadow"):
            ld.cycles.cast_shadow = False
        if hasattr(ld, "use_shadow"):
            ld.use_shadow = False
        lo = bpy.data.objects.new("cgx-sun-%d" % k, ld)
        lo.rotation_euler = mathutils.Vector(l["direction"]).to_track_quat("Z", "Y").to_euler()
        scene.collection.objects.link(lo)

    for k, p in enumerate(fr["parts"]):
        ob = bpy.data.objects.new("cgx-part-%d" % k, meshes[p["mesh"]])
        scene.collection.objects.link(ob)
        ob.matrix_world = matrix(p["matrix"])
        ob.pass_index = p["id"]
        for s, rgb in enumerate(p["albedo"]):
            slot = ob.material_slots[s]
            slot.link = "OBJECT"
            slot.material = material(rgb, fr["ambient"])

    colour_pass()
    scene.render.filepath = fr["rgb"]
    bpy.ops.render.render(write_still=True)
    mask_pass()
    scene.render.filepath = fr["mask"]
    bpy.ops.render.render(write_still=True)
    print("cgx-frame %d" % i, flush=True)
